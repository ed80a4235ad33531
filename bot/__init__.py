"""Assembly of actionbot: configuration, the Application, the command line and the text catalogue."""

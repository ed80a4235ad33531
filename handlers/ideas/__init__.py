"""Ideas: the feature's files, grouped so the folder tells where it lives."""

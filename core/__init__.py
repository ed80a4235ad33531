"""The ground that handlers, scheduler and the assembly (bot/) stand on: the config, the text catalogue, the
metrics and the services every handler and job is given. It imports nothing from those three."""

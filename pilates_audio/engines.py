"""The names of the speech engines: the one list that `speech.ENGINES`, the `engine` setting and its schema use."""

# Each name is an engine module beside the speech package's face, `speech/<name>_engine.py`. The order
# is the one the `engine` setting, the `voices --engine` flag and the schema's enum list them in.
NAMES = ("pyttsx3", "piper")
AUTO = "auto"  # the `engine` setting's default: piper when a Piper voice is installed, else pyttsx3

"""The session's sound: tones, loudness, the sounds store, MP3 frames and encoders, the mixdown and the beds."""

# Nothing is re-exported here yet: import the module that owns a name (`from pilates_audio.sound import pieces`).

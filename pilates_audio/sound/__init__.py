"""The session's sound: tones, loudness, MP3 frames and encoding, the mixdown and the music bed under the voice."""

# Nothing is re-exported here yet: import the module that owns a name (`from pilates_audio.sound import audio`).

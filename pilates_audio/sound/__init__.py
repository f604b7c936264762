"""The session's sound: tones, loudness, the sounds store, MP3 frames and encoders, the mixdown and the beds."""

# Nothing is re-exported here yet: speech reads `sound.levels` while `sound.sounds` reads speech, so this face
# importing the store would make a cycle. Import the module that owns a name (`from pilates_audio.sound import pieces`).

from pilates_audio.cli import main

main()

"""What happens in a meeting, one package per concern: the meeting's papers (`papers`:
agenda and documents), the live session (`live`), the video room (`video`), the
attendance the live session feeds (`attendance`), and the floor (`floor`: quorum,
requests to speak, speaking time). Votes and minutes will be siblings of these."""

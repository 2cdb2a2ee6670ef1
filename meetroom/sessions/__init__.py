"""What happens in a meeting, one package per concern: the meeting's papers (`papers`:
agenda and documents), the live session (`live`), the video room (`video`), and the
attendance the live session feeds (`attendance`). Floor control, votes and minutes
will be siblings of these."""

"""Pages about people: organisations and their members, duty assignment."""

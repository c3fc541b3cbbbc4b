"""The deliberation hall (红色物业议事厅): one Django app per part.

`agenda` (halls, the monthly sittings and their agenda, the items the system proposes from matters, the
calendar), `meetings` (invitations, attendance, minutes, votes, resolutions and their publication) and
`consultations` (asking residents before a major matter is decided).
"""

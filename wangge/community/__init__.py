"""Community life: one Django app per part.

`activities` (party education, culture and sports, volunteering: sign-up, waiting list, check-in),
`venues` (rooms and their bookings), `elections` (awards such as 最美党员, 最美业主) and `notices`
(announcements with read receipts).
"""

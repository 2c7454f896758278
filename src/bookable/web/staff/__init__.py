"""The staff pages at `/{tenant}/staff/`, for a tenant's staff and admin users: the timetable of
every slot, and each slot's register (check-in). Same site, login, session, languages and forms
as the members' pages (bookable.web), over the same services as the APIs."""

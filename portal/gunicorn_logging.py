"""Gunicorn's access log without personal data: every atom of the access line (request line, query
string, referer, response headers such as a login redirect's Location) has resident ID numbers and
12-19 digit account numbers masked (portal.idnumber.scrub), whatever `access_log_format` says.
Loaded by ./gunicorn.conf.py (`logger_class`)."""

from gunicorn.glogging import Logger

from .idnumber import scrub


def mask_atoms(atoms: dict) -> dict:
    return {key: scrub(value) if isinstance(value, str) else value for key, value in atoms.items()}


class PIIMaskingLogger(Logger):
    def atoms(self, resp, req, environ, request_time):
        return mask_atoms(super().atoms(resp, req, environ, request_time))

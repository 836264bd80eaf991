"""Gunicorn settings read from the repository root (`gunicorn portal.wsgi`, or `-c /path/to/gunicorn.conf.py`).

The access log (off unless `--access-logfile` / GUNICORN_CMD_ARGS turns it on) goes through a logger
that masks ID numbers and bank accounts in the request line, query string and headers: an ID search
(`/assistance/households/?q=…`) never reaches the log in full.
"""

logger_class = "portal.gunicorn_logging.PIIMaskingLogger"
access_log_format = '%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s" %(M)sms'

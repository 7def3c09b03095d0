"""gunicorn settings for Kith's web process. Every value can be set from the environment.

Web processes are stateless (sessions in PostgreSQL, cache in Redis), so they scale by adding
processes or machines behind a load balancer; see docs/deploy.md.
"""

import multiprocessing
import os

wsgi_app = "config.wsgi:application"
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
# Sync workers: Kith's requests are short database round trips. 2 × CPUs + 1 is gunicorn's
# advice, capped so a large machine does not exhaust PostgreSQL's connections.
workers = int(os.environ.get("WEB_CONCURRENCY", min(2 * multiprocessing.cpu_count() + 1, 9)))
threads = int(os.environ.get("GUNICORN_THREADS", "1"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", "30"))
keepalive = int(os.environ.get("GUNICORN_KEEPALIVE", "5"))
# Import Kith once in the master and fork the workers from it: a worker that is recycled (or
# replaced after a crash) is ready in milliseconds instead of spending a second or two of CPU
# importing Django while the others serve, and the workers share the imported code's memory.
# Nothing opens a database, Redis or broker connection at import, so none is shared by forks.
preload_app = os.environ.get("GUNICORN_PRELOAD", "true").lower() in ("1", "true", "yes")
# Recycle workers now and then so a slow leak can never grow without bound. A ten-minute soak
# (docs/performance.md) grew the workers by about 1 % and flattened, so this is a backstop.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "10000"))
max_requests_jitter = int(os.environ.get("GUNICORN_MAX_REQUESTS_JITTER", "1000"))
# Only the load balancer may say a request came over HTTPS (X-Forwarded-Proto).
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1")
# Django writes a structured access log with the request id (config.middleware), so gunicorn's
# own access log is off; its error log goes to stderr with the rest.
accesslog = None
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
pidfile = os.environ.get("GUNICORN_PIDFILE") or None
proc_name = "kith-web"

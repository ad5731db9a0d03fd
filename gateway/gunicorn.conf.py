"""gunicorn settings for the gateway.

gunicorn -c gateway/gunicorn.conf.py 'psi_gateway.app:create_app()'
"""

from psi_chassis.gunicorn_hooks import child_exit, post_fork  # noqa: F401

bind = "127.0.0.1:8000"
workers = 2
# A proxy spends its time waiting on services: threads keep a worker free for other calls meanwhile, instead of
# one call per process. PSI's gthread worker also answers gunicorn's own errors as problem+json and serves the
# services' key-set fetch (/api/v1/auth/jwks), /alive and /metrics in a lane of their own, so a burst of calls
# waiting on a service can never make them wait (psi_chassis.gunicorn_workers).
worker_class = "psi_chassis.gunicorn_workers.ThreadWorker"
threads = 16
# The longest request line (method, path, query) accepted; a longer one is a 414 problem.
limit_request_line = 4094
# Longer than the gateway's read timeout to the services (PSI_GATEWAY_READ_TIMEOUT, 10 s by default),
# so a slow service ends in a 504 problem from the gateway rather than a killed worker.
timeout = 30
graceful_timeout = 20
accesslog = None
# gunicorn 27 opens one control socket per user at a fixed path; several PSI servers on one host would fight
# over it, and nothing of PSI uses it.
control_socket_disable = True

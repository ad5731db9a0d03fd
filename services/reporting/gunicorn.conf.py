"""gunicorn settings for the reporting API: `gunicorn -c gunicorn.conf.py 'psi_reporting.app:create_app()'`."""

from psi_chassis.gunicorn_hooks import child_exit, post_fork  # noqa: F401

bind = "127.0.0.1:8005"
workers = 2
timeout = 30
graceful_timeout = 20
# gunicorn's sync worker, except that the errors gunicorn answers itself (a request line over the limit, headers
# too large, a request that is not HTTP) are application/problem+json like every other PSI error.
worker_class = "psi_chassis.gunicorn_workers.SyncWorker"
# The longest request line (method, path, query) accepted; a longer one is a 414 problem.
limit_request_line = 4094
# gunicorn 27 opens one control socket per user at a fixed path; several PSI servers on one host would fight
# over it, and nothing of PSI uses it.
control_socket_disable = True

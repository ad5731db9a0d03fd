"""gunicorn settings for the inventory API: `gunicorn -c gunicorn.conf.py 'psi_inventory.app:create_app()'`."""

from psi_chassis.gunicorn_hooks import child_exit, post_fork  # noqa: F401

bind = "127.0.0.1:8003"
workers = 2
timeout = 30
graceful_timeout = 20
accesslog = None
# gunicorn 27 opens one control socket per user at a fixed path; several PSI servers on one host would fight
# over it, and nothing of PSI uses it.
control_socket_disable = True

from psi_chassis.alembic_env import run

run()

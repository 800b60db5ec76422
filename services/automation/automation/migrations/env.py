from sellerbot_database.alembic_env import run_migrations_online

from automation.adapters.tables import Base

run_migrations_online(Base.metadata)

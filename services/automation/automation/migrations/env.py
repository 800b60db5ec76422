from automation.adapters.tables import Base
from sellerbot_database.alembic_env import run_migrations_online

run_migrations_online(Base.metadata)

"""A local replica of TikTok Shop Seller Center (seller-br): login with a 2FA step, product ratings, video
comments, the buyer inbox and the affiliate creator search, with test endpoints and fault injection.

It stands in for the real site in tests, benchmarks and `make run` (http://127.0.0.1:8090). The markup is
Arco-style, `data-e2e` hashes change at every start, lists load dynamically, and it answers in pt-BR or en.
"""

from sellerbot_fakes.seller_center.app import create_app
from sellerbot_fakes.seller_center.state import DEMO_CODE, DEMO_EMAIL, DEMO_PASSWORD, ReplicaState

__all__ = ["DEMO_CODE", "DEMO_EMAIL", "DEMO_PASSWORD", "ReplicaState", "create_app"]

"""One page object per Seller Center page; methods speak the seller's intent (reply_to, invite, send)."""

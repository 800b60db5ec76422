"""The CRM of the chatbot service: contacts (leads) per shop, identity across channels, merges, LGPD erasure
and export, orders of every source, and the outbound CRM webhook."""

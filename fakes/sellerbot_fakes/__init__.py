"""Fake external servers for tests, benchmarks and `make run`; each module is one platform.

They are real HTTP servers speaking the documented wire formats, record what they receive, and can be told
to fail. Nothing in a service imports them: services reach them only through configurable base URLs.
"""

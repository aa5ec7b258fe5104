"""AllureConnect: the provider, its REST client, its webhook receiver and its dispatches."""

from .provider import AllureConnectProvider

__all__ = ["AllureConnectProvider"]

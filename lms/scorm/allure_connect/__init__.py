from .provider import AllureConnectProvider

__all__ = ["AllureConnectProvider"]

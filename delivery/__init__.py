from delivery.errors import DeliveryError

__all__ = ["DeliveryError"]

"""Destination knowledge: what drivers may ask about a stop (parking, entrances, bays), searchable
per depot and date. The embedded backend needs no cloud; Azure AI Search is used when configured."""

from schedules.search.base import DestinationDoc, DestinationSearch, SearchHit

__all__ = ["DestinationDoc", "DestinationSearch", "SearchHit"]

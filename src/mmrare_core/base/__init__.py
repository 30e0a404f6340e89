"""Plumbing with no domain knowledge: the disk cache, the order-keeping batch map, safe XML.

Its modules are imported by name (``mmrare_core.base.cache``, ``.batch``, ``.xmlsafe``): the
package face is empty on purpose, so importing one piece loads no other.
"""

__all__: list[str] = []

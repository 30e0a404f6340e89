"""Plumbing with no domain knowledge: the disk cache, the order-keeping batch map, safe XML."""

"""Case reports as typed blocks with persistent ids: JATS XML (hardened) and plain text."""

from mmrare_core.documents.document import Block, Document
from mmrare_core.documents.jats import parse_jats
from mmrare_core.documents.read import read_document
from mmrare_core.documents.text import parse_text

__all__ = ["Block", "Document", "parse_jats", "parse_text", "read_document"]

from kgraph.authoring.numbers import Quantity, parse_quantity
from kgraph.authoring.passages import Passage, segment

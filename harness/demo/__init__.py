"""`harness demo`: the bundled tiny models through the ordinary intake and evaluation."""

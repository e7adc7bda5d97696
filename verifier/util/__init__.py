"""Small platform helpers that know nothing of llama.cpp."""

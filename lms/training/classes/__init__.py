"""Training classes (培训班): the class plan, its attachments and its review, from draft to
approval. Later steps (running, closing, filing) belong to the sessions part."""

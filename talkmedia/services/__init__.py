"""Business logic of talk media: uploads, storage backends, processing, captions, final papers, publishing."""

"""Views of talk media: speaker pages, the upload API, files, the organizers' overview."""

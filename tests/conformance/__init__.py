"""ADL SCORM 2004 4th Edition LMS conformance scripts: decoder and test SCO."""

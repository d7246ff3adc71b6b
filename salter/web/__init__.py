"""The HTTP boundary: what every web request passes through before and after a view.

A budget for each database statement (`timeouts`), clean text and bounded bodies in
(`boundary`), error pages in the site's look and language (`errors`) and the headers
every response carries (`headers`). Workers and commands never pass through here.
"""

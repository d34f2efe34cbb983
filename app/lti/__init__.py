"""LTI 1.3, the adapter: the only package that knows pylti1p3, claim URLs and LIS role URIs.

It validates launches (tool.py), describes the tool to LMSs (tool_configuration.py), speaks
Dynamic Registration, AGS and NRPS, signs deep-linking answers, holds the tool's keys, and bounds
every outbound call (http.py). The pages LMSs and people open live in app/launch; the use cases
that store registrations, launches and grades live in app/services.
"""

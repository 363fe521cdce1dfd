"""Deploy-tool readers, runtime-neutral: each reads one way legacy apps were deployed and asks the
providers what its commands mean."""

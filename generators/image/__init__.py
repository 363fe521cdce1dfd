"""The image: the runtime-neutral build plan, its Dockerfile renderer, and container commands."""

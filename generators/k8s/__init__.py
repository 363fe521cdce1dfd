"""Kubernetes manifests: workloads, services, config, kustomize base and overlay, as data dumped with ruamel."""

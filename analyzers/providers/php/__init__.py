"""The PHP provider: PHP's analyzers, its detection, its servers and step rules."""

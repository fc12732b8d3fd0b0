"""crmsync's configuration: the file's shape (:mod:`.model`), rule settings (:mod:`.rules`)
and loading with clear, located errors (:mod:`.load`)."""

from sync.config.load import DEFAULT_CONFIG, LoadedConfig, load_config, parse_config
from sync.config.model import Config

__all__ = ["DEFAULT_CONFIG", "Config", "LoadedConfig", "load_config", "parse_config"]

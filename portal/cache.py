"""The Redis cache backend with one client object per connection pool.

Django's RedisCacheClient makes a new `redis.Redis` for every cache call; building one fills its table of
response callbacks (about 170 entries) each time, which on the spend path cost more CPU than the round
trip it wraps. A `redis.Redis` is safe to share between threads (each command takes a connection from
the pool) and its pool reconnects after a fork, so one per pool is kept.
"""

from django.core.cache.backends.redis import RedisCache, RedisCacheClient


class _Client(RedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client


class PortalRedisCache(RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = _Client

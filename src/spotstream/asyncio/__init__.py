"""The only layer with tasks and sockets: transports, connections, requests, subscriptions."""

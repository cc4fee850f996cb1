# A small image of mailconfd on Debian 12 slim.
#   docker build -t mailconfd .    (or: podman build -t mailconfd .)
#   docker run -p 8080:8080 -v /etc/mailconfd:/etc/mailconfd:ro mailconfd
# The table is /etc/mailconfd/mailconfd.json (the shipped example table is
# used when none is mounted); `docker kill -s HUP` reloads it. A table with a
# directory keeps its snapshots in /var/lib/mailconfd (mount a volume there
# so they outlive the container).
FROM debian:12-slim AS build
RUN apt-get update && apt-get install -y --no-install-recommends \
      build-essential cmake pkg-config libmicrohttpd-dev libxml2-dev \
      libjansson-dev libidn2-dev libgnutls28-dev libcurl4-gnutls-dev libqrencode-dev \
      libmariadb-dev libpq-dev libldap-dev libldns-dev \
    && rm -rf /var/lib/apt/lists/*
COPY . /src
RUN cmake -S /src -B /build -DCMAKE_BUILD_TYPE=Release -DBUILD_TESTING=OFF \
      -DCMAKE_INSTALL_PREFIX=/usr \
    && cmake --build /build -j"$(nproc)" \
    && DESTDIR=/install cmake --install /build \
    && mkdir -p /install/etc/mailconfd \
    && cp /src/profiles/hosting-faq.json /install/etc/mailconfd/mailconfd.json

FROM debian:12-slim
# Only the libraries, without their documentation, manuals and
# translations: the image stays the base plus about 3 MB.
RUN printf '%s\n' 'path-exclude /usr/share/doc/*' \
      'path-include /usr/share/doc/*/copyright' 'path-exclude /usr/share/man/*' \
      'path-exclude /usr/share/locale/*' > /etc/dpkg/dpkg.cfg.d/01-mailconfd-slim \
    && apt-get update && apt-get install -y --no-install-recommends \
      libmicrohttpd12 libxml2 libjansson4 libidn2-0 libgnutls30 libcurl3-gnutls ca-certificates libqrencode4 \
      libmariadb3 libpq5 libldap-2.5-0 libldns3 \
    && rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin \
    && mkdir -p /var/lib/mailconfd && chown nobody:nogroup /var/lib/mailconfd
COPY --from=build /install/ /
USER nobody
EXPOSE 8080 9100
ENTRYPOINT ["/usr/bin/mailconfd", "--config", "/etc/mailconfd/mailconfd.json", \
            "--listen", "0.0.0.0", "--port", "8080", "--admin-listen", "0.0.0.0:9100"]

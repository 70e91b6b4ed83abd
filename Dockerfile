# syntax=docker/dockerfile:1
# The logistified MCP server: a static binary on a distroless, non-root base.
#
#   docker build -t logistified .
#   docker run -p 8080:8080 -v logistified-data:/data logistified
#   docker run -p 8080:8080 -e LOGISTIFIED_DATABASE_URL=postgres://… logistified

FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=""
# Pure Go (the SQLite driver needs no cgo), so the binary is fully static;
# time zones are compiled in (time/tzdata), so the image needs no tzdata.
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w -X main.buildVersion=${VERSION}" \
        -o /out/logistified ./cmd/logistified \
    && mkdir -p /out/data

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/logistified /logistified
# An empty folder owned by the nonroot user (65532), for the default SQLite
# database when no PostgreSQL URL is given.
COPY --from=build --chown=65532:65532 /out/data /data
ENV LOGISTIFIED_HOME=/data
VOLUME ["/data"]
USER 65532:65532
EXPOSE 8080
ENTRYPOINT ["/logistified"]
CMD ["serve", "--addr", "0.0.0.0:8080"]

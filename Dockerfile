# Build dist/function.zip inside a Linux of your choice: by default the Lambda provided:al2023 image,
# so the build's glibc is the target's own. Any base with dnf, microdnf or apt-get works
# (--build-arg BASE_IMAGE=...). Stages:
#   build   installs Python, a C compiler and this project, then runs build.py
#   image   a container image whose entry point is the native bootstrap (nothing else from the build)
#   export  (last, the default) only function.zip, for `--output`
#
#   docker build --network host --output type=local,dest=dist .          # BuildKit: leaves dist/function.zip
#   DOCKER_BUILDKIT=0 docker build --network host --target export -t fn-zip .   # classic builder, then:
#   docker cp "$(docker create fn-zip /none)":/function.zip dist/
#   docker build --network host --target image -t hello-native .        # container image
#   --build-arg SRC=path/in/context HANDLER=app.handler REQUIREMENTS=path/requirements.txt TARGET=al2023
#
# arm64 (Graviton): add --platform linux/arm64. The build then runs inside the base's arm64 variant and
# build.py builds for the machine it runs on, so the zip is for `--architectures arm64`. On an x86_64 host
# that needs qemu registered with the kernel (binfmt_misc: `apt-get install qemu-user-static binfmt-support`,
# or `docker run --privileged --rm tonistiigi/binfmt --install arm64`), and everything in the build runs
# emulated: much slower than `python build.py --arch arm64` on the host, which cross-compiles.
#   docker build --platform linux/arm64 --network host --output type=local,dest=dist .
#
# A base whose glibc is newer than the target's builds with zig pinned to the target glibc, but the
# libraries its Python links must not need a newer one: Debian 12's libexpat needs GLIBC_2.36, so Debian 12
# cannot build for al2023 (the link fails, naming the symbol); Ubuntu 22.04 can (tested).
# For provided.al2 (glibc 2.26) the Python that compiles must itself be built on glibc <= 2.26: use an
# Amazon Linux 2 base with Python >= 3.10 installed (al2's own python3 is 3.7) and TARGET=al2.

ARG BASE_IMAGE=public.ecr.aws/lambda/provided:al2023

FROM ${BASE_IMAGE} AS build
# Python >= 3.10 with headers and venv, a C compiler, ccache when the distribution has it. Debian's
# libpython.a links -lz -lexpat: their -dev packages provide the libraries to link with.
RUN set -eu; \
    if command -v apt-get >/dev/null 2>&1; then \
        apt-get update; \
        DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
            python3 python3-dev python3-venv gcc libc6-dev zlib1g-dev libexpat1-dev; \
        apt-get install -y --no-install-recommends ccache || echo "no ccache here: rebuilds will be slower"; \
        rm -rf /var/lib/apt/lists/*; \
    else \
        pm="$(command -v dnf || command -v microdnf || command -v yum)"; \
        "$pm" install -y python3.11 python3.11-devel python3.11-pip gcc findutils; \
        "$pm" clean all; \
        ln -sf "$(command -v python3.11)" /usr/local/bin/python3; \
    fi
WORKDIR /opt/lambda-native
COPY pyproject.toml README.md build.py ./
COPY src/ src/
# A mirror or a wheelhouse instead of PyPI, e.g. --build-arg PIP_INDEX_URL=https://mirror/simple, or
# PIP_NO_INDEX=1 PIP_FIND_LINKS=http://127.0.0.1:8000/ (a folder served on the host, with --network host).
ARG PIP_INDEX_URL
ARG PIP_FIND_LINKS
ARG PIP_NO_INDEX
RUN python3 -m venv /opt/venv && /opt/venv/bin/pip install --no-cache-dir '.[build]'
COPY . .
ARG SRC=examples/hello
ARG HANDLER=app.handler
ARG REQUIREMENTS=
ARG TARGET=al2023
RUN /opt/venv/bin/python build.py --src "$SRC" --handler "$HANDLER" --target "$TARGET" \
        ${REQUIREMENTS:+--requirements "$REQUIREMENTS"} --out /dist --work-dir /tmp/build \
    && cp -a /tmp/build/bootstrap.dist /var/task-out

FROM ${BASE_IMAGE} AS image
COPY --from=build /var/task-out/ /var/task/
ENV LAMBDA_TASK_ROOT=/var/task
WORKDIR /var/task
ENTRYPOINT ["/var/task/bootstrap"]

FROM scratch AS export
COPY --from=build /dist/function.zip /function.zip

from setuptools import setup

setup(
    name="conformance-setup",
    version="1.0",
    packages=["conformance_setup"],
)

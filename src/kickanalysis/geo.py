"""Vectorised geodesy shared by the readers and the signal layer."""

from __future__ import annotations

import numpy as np

#: Mean Earth radius R1 = (2a + b) / 3 of WGS-84 [m] (Moritz 2000, *Geodetic Reference
#: System 1980*, J. Geodesy 74:128-133, doi:10.1007/s001900050278).
EARTH_RADIUS_M = 6_371_008.8


def haversine_m(
    lat1_deg: np.ndarray, lon1_deg: np.ndarray, lat2_deg: np.ndarray, lon2_deg: np.ndarray
) -> np.ndarray:
    """Great-circle distance between two sets of points.

    Parameters
    ----------
    lat1_deg, lon1_deg, lat2_deg, lon2_deg : array_like
        Latitudes and longitudes [deg].

    Returns
    -------
    numpy.ndarray
        Distance [m] on a sphere of radius :data:`EARTH_RADIUS_M` (haversine formula,
        Sinnott 1984, *Sky & Telescope* 68(2):159).

    Examples
    --------
    >>> round(float(haversine_m(0.0, 0.0, 0.0, 1.0)))
    111195
    """
    lat1 = np.radians(lat1_deg)
    lat2 = np.radians(lat2_deg)
    dlat = lat2 - lat1
    dlon = np.radians(np.asarray(lon2_deg) - np.asarray(lon1_deg))
    a = np.sin(dlat * 0.5) ** 2 + np.cos(lat1) * np.cos(lat2) * np.sin(dlon * 0.5) ** 2
    return 2.0 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))


def path_distance_m(lat_deg: np.ndarray, lon_deg: np.ndarray) -> np.ndarray:
    """Cumulative distance along a track.

    Points without a position (NaN) add nothing; the distance resumes from the last
    known position at the next point that has one.

    Parameters
    ----------
    lat_deg, lon_deg : numpy.ndarray
        Track positions [deg].

    Returns
    -------
    numpy.ndarray
        Cumulative distance [m], starting at 0 (NaN before the first known position).

    Examples
    --------
    >>> path_distance_m(np.array([0.0, 0.0, np.nan, 0.0]), np.array([0.0, 0.001, np.nan, 0.002]))
    array([  0.        , 111.19508..., 111.19508..., 222.39016...])
    """
    lat = np.asarray(lat_deg, dtype="float64")
    lon = np.asarray(lon_deg, dtype="float64")
    n = len(lat)
    out = np.full(n, np.nan)
    ok = np.flatnonzero(~(np.isnan(lat) | np.isnan(lon)))
    if len(ok) == 0:
        return out
    step = haversine_m(lat[ok[:-1]], lon[ok[:-1]], lat[ok[1:]], lon[ok[1:]])
    known = np.concatenate(([0.0], np.cumsum(step)))
    # carry each known value forward over the points without a position
    idx = np.full(n, -1)
    idx[ok] = np.arange(len(ok))
    idx = np.maximum.accumulate(idx)
    has = idx >= 0
    out[has] = known[idx[has]]
    return out


def speed_from_distance(time_s: np.ndarray, distance_m: np.ndarray) -> np.ndarray:
    """Speed from cumulative distance by backward differences.

    Parameters
    ----------
    time_s : numpy.ndarray
        Sample times [s], non-decreasing.
    distance_m : numpy.ndarray
        Cumulative distance [m].

    Returns
    -------
    numpy.ndarray
        Speed [m/s] over the interval ending at each sample; the first sample takes the
        second's value, and samples with no elapsed time since the previous one take the
        previous value.

    Examples
    --------
    >>> speed_from_distance(np.array([0.0, 1.0, 3.0]), np.array([0.0, 3.0, 9.0]))
    array([3., 3., 3.])
    """
    t = np.asarray(time_s, dtype="float64")
    d = np.asarray(distance_m, dtype="float64")
    n = len(t)
    out = np.full(n, np.nan)
    if n < 2:
        return out
    dt = np.diff(t)
    dd = np.diff(d)
    with np.errstate(divide="ignore", invalid="ignore"):
        v = np.where(dt > 0, dd / dt, np.nan)
    out[1:] = v
    # zero-duration steps repeat the previous speed
    bad = np.isnan(out)
    bad[0] = False
    if bad.any():
        idx = np.where(~np.isnan(out), np.arange(n), 0)
        np.maximum.accumulate(idx, out=idx)
        filled = out[idx]
        out = np.where(np.isnan(out) & ~np.isnan(d), filled, out)
    out[0] = out[1]
    return out

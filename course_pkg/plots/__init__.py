"""course_pkg.plots"""
